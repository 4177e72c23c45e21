/**
 * The only place transport names are written: the Electron IPC channels and the
 * headless host's HTTP and WebSocket paths. Imported by the shell, the preload
 * (bundled), the host and the renderer's transports.
 */
export const IPC_CALL_CHANNEL = 'workbench:api-call';
export const IPC_EVENT_CHANNEL = 'workbench:api-event';
/** POST `${HTTP_API_PREFIX}<method>` with the JSON payload. */
export const HTTP_API_PREFIX = '/api/call/';
export const WS_EVENTS_PATH = '/api/events';
/** The query parameter that carries the host's token in the printed URL and the WebSocket URL. */
export const TOKEN_PARAM = 'token';
