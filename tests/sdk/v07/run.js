#!/usr/bin/env node
"use strict";
/*
 * Drives the real @saleor/sdk 0.7.0 (auth and user only: it has no cart or checkout) from a scenario file.
 *   node run.js <scenario.json>      (protocol: ../common.js and ../README.md)
 *   With "recordErrors": true each entry of a line's `requests` also carries `errors`: the GraphQL errors
 *   answered, [{operation, code: extensions.exception.code, message}] (e.g. an ExpiredSignatureError).
 *
 * Ops (step fields in brackets):
 *   connect [opts]        createSaleorClient({apiUrl, channel, opts}); with a refresh token in localStorage
 *                         and autologin (the default) the SDK refreshes at once (refreshTokenWithUser).
 *                         Any other op connects first if nobody did.
 *   reload [opts]         a new client on the same localStorage: a page reload.
 *   login (email, password, [includeDetails])   -> auth.login       (mutation `login`)
 *   refreshToken ([includeUser])                -> auth.refreshToken (`refreshToken` / `refreshTokenWithUser`)
 *   verifyToken                                 -> auth.verifyToken  (`verifyToken`)
 *   logout ([input])                            -> auth.logout       (no request unless an external plugin)
 *   me                    the SDK's own `User` query (user: me {...}), network-only, through its Apollo client
 *   query (query, [variables])   any document through the SDK's Apollo client
 *   state                 nothing; the line carries the SDK's state
 *   sleep (ms)
 *
 * 0.7.0 returns Apollo FetchResults and throws on GraphQL errors (errorPolicy "none"). Each line maps that to
 * the same keys as 0.3.0-10: data = result.data; dataError = {error} with the thrown ApolloError (or
 * {error: result.errors}); functionError = {error} with any other exception the SDK threw (e.g.
 * "refreshToken not present", or a TypeError inside its fetch wrapper).
 */

const path = require("path");
const { main } = require("../common");

main(ctx => {
  const { scenario, recorder } = ctx;
  // The SDK fetches through `cross-fetch` (node-fetch), not the global fetch: put a recording
  // wrapper in its place in the module cache before the SDK is loaded.
  const sdkDir = path.dirname(require.resolve("@saleor/sdk"));
  const crossFetchPath = require.resolve("cross-fetch", { paths: [sdkDir] });
  const crossFetch = require(crossFetchPath);
  const recording = recorder.wrap(crossFetch);
  Object.assign(recording, crossFetch, { default: recording, fetch: recording });
  require.cache[crossFetchPath].exports = recording;

  const { createSaleorClient } = require("@saleor/sdk");
  const { gql } = require("@apollo/client");

  // The SDK does not export its `User` document; catch it when the SDK reads or writes the cache with it.
  ctx.documents = {};
  const remember = document => {
    for (const d of (document && document.definitions) || []) {
      if (d.kind === "OperationDefinition" && d.name) ctx.documents[d.name.value] = document;
    }
  };

  function connect(step = {}) {
    const client = createSaleorClient({ apiUrl: scenario.apiUrl, channel: scenario.channel, opts: step.opts || {} });
    const apollo = client._internal.apolloClient;
    for (const method of ["readQuery", "writeQuery"]) {
      const original = apollo[method].bind(apollo);
      apollo[method] = options => {
        remember(options && options.query);
        return original(options);
      };
    }
    ctx.client = client;
    client.getState(); // reads the cache with the `User` document
    return { data: { autologin: client.config.autologin, channel: client.config.channel } };
  }

  function client() {
    if (!ctx.client) connect();
    return ctx.client;
  }

  const isApolloError = error =>
    error && (error.name === "ApolloError" || "graphQLErrors" in error || "networkError" in error);

  const call = fn => async step => {
    try {
      const result = await fn(client(), step);
      if (result === null || result === undefined) return { data: null };
      const errors = result.errors && result.errors.length ? result.errors : null;
      return { data: result.data ?? null, dataError: errors && { error: errors } };
    } catch (error) {
      return isApolloError(error) ? { dataError: { error } } : { functionError: { error } };
    }
  };

  const ops = {
    connect: async step => connect(step),
    reload: async step => {
      ctx.client = null;
      return connect(step);
    },
    login: call((c, s) =>
      c.auth.login({ email: s.email, password: s.password, ...(s.includeDetails === undefined ? {} : { includeDetails: s.includeDetails }) })
    ),
    refreshToken: call((c, s) => c.auth.refreshToken(s.includeUser ?? false)),
    verifyToken: call(c => c.auth.verifyToken()),
    logout: call((c, s) => c.auth.logout(s.input === undefined ? undefined : { input: s.input })),
    me: call(c => {
      const document = ctx.documents.User;
      if (!document) throw new Error("harness: the SDK's User document was not captured");
      return c._internal.apolloClient.query({ query: document, fetchPolicy: "network-only" });
    }),
    query: call((c, s) => {
      const document = gql(s.query);
      const apollo = c._internal.apolloClient;
      const isMutation = document.definitions.some(d => d.kind === "OperationDefinition" && d.operation === "mutation");
      return isMutation
        ? apollo.mutate({ mutation: document, variables: s.variables, errorPolicy: "all" })
        : apollo.query({ query: document, variables: s.variables, fetchPolicy: "network-only", errorPolicy: "all" });
    }),
    state: async () => {
      client();
      return {};
    },
    sleep: async step => {
      await new Promise(resolve => setTimeout(resolve, step.ms ?? 0));
      return {};
    },
  };

  const state = () => {
    if (!ctx.client) return null;
    let cached = null;
    try {
      cached = ctx.client.getState();
    } catch (error) {
      cached = { error: String(error.message || error) };
    }
    return {
      user: (cached && cached.user) ?? null,
      authenticated: (cached && cached.authenticated) ?? null,
      authenticating: (cached && cached.authenticating) ?? null,
      refreshToken: globalThis.localStorage.getItem("_saleorRefreshToken"),
    };
  };

  return { ops, state };
});
