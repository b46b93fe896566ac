export { SocketState, type SocketCloseEvent, type SocketLike, type SocketMessageEvent, type SocketOptions, type WebSocketCtor } from '../transport.js';
