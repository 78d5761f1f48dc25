/**
 * The Node HTTP server around the app, with the limits that keep slow or idle clients from holding
 * connections: headers within HEADERS_TIMEOUT_MS (a connection that sends nothing is closed then),
 * the whole request within REQUEST_TIMEOUT_MS (a trickled body is cut with 408), idle keep-alive
 * connections closed after KEEP_ALIVE_TIMEOUT_MS, and any connection on which nothing moves for
 * SOCKET_IDLE_TIMEOUT_MS closed. Node checks the first three every second.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type ServerType, serve } from '@hono/node-server';
import type { Config } from '../services/config.ts';

export type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

export function serveNode(
  fetch: Fetch,
  config: Pick<Config, 'PORT' | 'HOST' | 'HEADERS_TIMEOUT_MS' | 'REQUEST_TIMEOUT_MS' | 'KEEP_ALIVE_TIMEOUT_MS' | 'SOCKET_IDLE_TIMEOUT_MS'>,
  onListening: (port: number) => void = () => {},
): ServerType {
  const server = serve(
    {
      fetch,
      port: config.PORT,
      hostname: config.HOST,
      serverOptions: {
        headersTimeout: config.HEADERS_TIMEOUT_MS,
        requestTimeout: config.REQUEST_TIMEOUT_MS,
        keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
        // How often Node looks for connections past those timeouts (its default is 30 s).
        connectionsCheckingInterval: 1000,
      },
    },
    (info) => onListening(info.port),
  );
  // Set on the server too: older Nodes read these from the server, not the constructor's options.
  const http = server as Server;
  http.headersTimeout = config.HEADERS_TIMEOUT_MS;
  http.requestTimeout = config.REQUEST_TIMEOUT_MS;
  http.keepAliveTimeout = config.KEEP_ALIVE_TIMEOUT_MS;
  // A connection with nothing moving either way (a client that stopped reading a streamed export,
  // which would otherwise hold its export permit) is closed after this long.
  http.timeout = config.SOCKET_IDLE_TIMEOUT_MS;
  // That limit is for clients. While an answer is being made (an org-wide PDF takes minutes on a
  // busy machine) the client waits on us and nothing moves: the timer is off from the request
  // until the answer's head is written, and on again from there (Node writes every head, implicit
  // ones too, through writeHead), so a client that stops reading is still cut. A request body
  // that trickles meanwhile is REQUEST_TIMEOUT_MS's business, which this does not touch.
  http.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.socket?.setTimeout(0);
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
      res.socket?.setTimeout(config.SOCKET_IDLE_TIMEOUT_MS);
      return writeHead.apply(this, args);
    } as ServerResponse['writeHead'];
  });
  return server;
}
