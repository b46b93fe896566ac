// The rows of issue 12's table, in its order.
import { row as bundleSize } from './bundle-size.mjs';
import { dataDir } from './eh-data-dir.mjs';
import { ingest } from './eh-ingest.mjs';
import { receive } from './eh-receive.mjs';
import { row as kafka } from './kafka.mjs';
import { relayHttp100, relayHttp1mb } from './relay-http.mjs';
import { relayWs, relayWsConnect } from './relay-ws.mjs';
import { row as sas } from './sas.mjs';
import { idleMemory, sendToAll, sendToGroup } from './webpubsub.mjs';

export const ROWS = [relayHttp100, relayHttp1mb, relayWs, relayWsConnect, sendToAll, sendToGroup, idleMemory, ingest, receive, dataDir, sas, bundleSize, kafka];
