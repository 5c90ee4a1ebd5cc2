import { type BitbucketCall, type BitbucketClient, createBitbucketClient } from "../bitbucket/bitbucket-client.ts";
import type { BitbucketServerConfig } from "../core/config-types.ts";
import type { Clock, FetchFn } from "../core/ports.ts";
import { OAuth1Signer } from "../oauth1/oauth1-signer.ts";

export interface BitbucketClients {
  /** The server's client, with its own credentials; one per server. */
  of(server: BitbucketServerConfig): BitbucketClient;
  /** A client signing OAuth 1.0a with `accessToken` (CDS's, issue #10), sharing the server's imported private key. */
  withAccessToken(server: BitbucketServerConfig, accessToken: string): BitbucketClient;
}

export function createBitbucketClients(deps: { fetch: FetchFn; clock: Clock; onCall?: (call: BitbucketCall) => void }): BitbucketClients {
  const clients = new Map<string, BitbucketClient>();
  const signers = new Map<string, OAuth1Signer>();
  const signerOf = (server: BitbucketServerConfig): OAuth1Signer | undefined => {
    if (!server.privateKey) return undefined;
    let signer = signers.get(server.name);
    if (!signer) {
      signer = new OAuth1Signer({ consumerKey: server.consumerKey, privateKey: server.privateKey, clock: deps.clock });
      signers.set(server.name, signer);
    }
    return signer;
  };
  return {
    of(server) {
      let client = clients.get(server.name);
      if (!client) {
        client = createBitbucketClient({ server, fetch: deps.fetch, clock: deps.clock, signer: signerOf(server), onCall: deps.onCall });
        clients.set(server.name, client);
      }
      return client;
    },
    withAccessToken(server, accessToken) {
      return createBitbucketClient({
        server,
        fetch: deps.fetch,
        clock: deps.clock,
        signer: signerOf(server),
        accessToken,
        onCall: deps.onCall,
      });
    },
  };
}
