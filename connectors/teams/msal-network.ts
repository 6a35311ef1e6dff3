// msal-node network client over the connector's transport. Two reasons it exists: (1) a custom CA is
// trusted per client instead of process-wide, (2) msal refuses non-https authorities, so for a plain-HTTP
// simulator the authority is handed to msal as https:// and this client maps that origin back to http://.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import type { HttpTransport } from "./http.js";

export interface MsalNetworkClient extends INetworkModule {
  /** The last transport failure; msal reports those only as "endpoints_resolution_error". */
  lastError?: Error;
}

export function createMsalNetworkClient(
  transport: HttpTransport,
  rewrite?: { from: string; to: string },
): MsalNetworkClient {
  const map = (url: string): string =>
    rewrite && url.startsWith(rewrite.from) ? rewrite.to + url.slice(rewrite.from.length) : url;
  async function send<T>(
    method: string,
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    let res: Awaited<ReturnType<HttpTransport["request"]>>;
    try {
      res = await transport.request({
        method,
        url: map(url),
        headers: options?.headers,
        body: options?.body,
        timeoutMs: timeout,
      });
    } catch (e) {
      client.lastError = e as Error;
      throw e;
    }
    let body: unknown = {};
    try {
      body = res.body ? JSON.parse(res.body) : {};
    } catch {
      // msal inspects `error` fields; a non-JSON body (proxy error page) becomes a readable server error.
      body = {
        error: "invalid_response",
        error_description: `HTTP ${res.status}: ${res.body.slice(0, 200)}`,
      };
    }
    return { status: res.status, headers: res.headers, body: body as T };
  }
  const client: MsalNetworkClient = {
    sendGetRequestAsync: (url, options, timeout) => send("GET", url, options, timeout),
    sendPostRequestAsync: (url, options) => send("POST", url, options),
  };
  return client;
}
