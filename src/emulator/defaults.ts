// Well-known emulator credentials. They are public on purpose (like Azurite's account key):
// the emulator is for local use, and tests and docs need a stable connection string.
export const EMULATOR_KEY_NAME = 'RootManageSharedAccessKey';
export const EMULATOR_SAS_KEY = 'YXp1cmUtcmVhbHRpbWUtZW11bGF0b3Ita2V5LTAwMDA=';
export const EMULATOR_WEBPUBSUB_ACCESS_KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';
export const DEFAULT_HOST = '127.0.0.1';
