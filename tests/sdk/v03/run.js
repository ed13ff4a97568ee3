#!/usr/bin/env node
"use strict";
/*
 * Drives the real @saleor/sdk 0.3.0-10 (cart, checkout, payment, order, sign-in) from a scenario file.
 *   node run.js <scenario.json>      (protocol: ../common.js and ../README.md)
 *   With "recordErrors": true each entry of a line's `requests` also carries `errors`: the GraphQL errors
 *   answered, [{operation, code: extensions.exception.code, message}] (e.g. an ExpiredSignatureError).
 *
 * Ops (step fields in brackets):
 *   connect [config, apolloConfig]    new SaleorManager({apiUrl, channel, ...config}).connect(); waits until
 *                                     the SDK has loaded the user and the checkout (UserDetails at start-up).
 *                                     Any other op connects first if nobody did.
 *   reload [config]                   a new SaleorManager on the same localStorage: a page reload, e.g. after
 *                                     the customer comes back from Cascad's page.
 *   addItem (variantId, quantity)  removeItem (variantId)  subtractItem (variantId)
 *   updateItem (variantId, quantity)                                         -> api.cart.*
 *   setShippingAddress (address, email)  setBillingAddress (address, [email])
 *   setBillingAsShippingAddress  setShippingMethod (shippingMethodId)
 *   addPromoCode (promoCode)  removePromoCode (promoCode)
 *   createPayment (gateway, [returnUrl, token, creditCard])
 *   completeCheckout ([paymentData, redirectUrl, storeSource])                -> api.checkout.*
 *   signIn (email, password, [autoSignIn])  signOut  refreshSignInToken ([refreshToken])  -> api.auth.*
 *   getOrderByToken (token)           legacyAPIProxy.getOrderDetails: OrderByToken, or UserOrderByToken when
 *                                     signed in (what saleor-storefront's order page used)
 *   getOrdersByUser ([perPage, after])  getShopDetails                       -> legacyAPIProxy
 *   query (query, [variables])        any document through the SDK's Apollo client (network-only)
 *   state                             nothing; the line carries the SDK's state
 *   sleep (ms)
 *
 * Each line: {step, op, data, dataError, functionError, pending, firedErrors, requests, state}.
 * dataError = {error, type, typeName}; firedErrors are what the SDK reported to its error listeners
 * during the step (e.g. the queued cart update of an existing checkout).
 */

const path = require("path");
const { main } = require("../common");

main(ctx => {
  const { scenario, recorder } = ctx;
  // The SDK's links call the global fetch: record it before the SDK is loaded.
  globalThis.fetch = recorder.wrap(globalThis.fetch.bind(globalThis));

  const { SaleorManager } = require("@saleor/sdk");
  const gql = require("graphql-tag");
  const lib = path.join(path.dirname(require.resolve("@saleor/sdk")));
  const { DataErrorCheckoutTypes, FunctionErrorCheckoutTypes } = require(path.join(lib, "api/Checkout/types"));
  const { DataErrorAuthTypes } = require(path.join(lib, "api/Auth/types"));
  const { ErrorCartTypes } = require(path.join(lib, "jobs/Cart"));

  ctx.firedErrors = [];

  const named = (error, enumeration) =>
    error ? { ...error, typeName: enumeration[error.type] ?? null } : null;

  async function connect(step = {}) {
    const manager = new SaleorManager(
      { apiUrl: scenario.apiUrl, channel: scenario.channel, ...(step.config || {}) },
      step.apolloConfig || {}
    );
    const { api, apolloClient } = await manager.connect();
    ctx.manager = manager;
    ctx.api = api;
    ctx.apolloClient = apolloClient;
    const listen = (source, enumeration) => (error, type) =>
      ctx.firedErrors.push({ source, type, typeName: enumeration[type] ?? null, error });
    api.auth.addOnErrorListener(listen("auth", DataErrorAuthTypes));
    api.checkout.addOnErrorListener(listen("checkout", DataErrorCheckoutTypes));
    api.cart.addOnErrorListener(listen("cart", ErrorCartTypes));
    // SaleorState initialises itself asynchronously (UserDetails, then the checkout).
    const deadline = Date.now() + (step.loadTimeoutMs ?? 15000);
    const loaded = () => api.auth.loaded && api.checkout.loaded && api.cart.loaded;
    while (!loaded() && Date.now() < deadline) {
      await recorder.settle(scenario.settleMs, 1000);
      if (!loaded()) await new Promise(resolve => setTimeout(resolve, 10));
    }
    return { data: { loaded: loaded() } };
  }

  async function api() {
    if (!ctx.api) await connect();
    return ctx.api;
  }

  // api.cart.* / api.checkout.* / api.auth.* resolve to {data, dataError, functionError, pending}.
  const sdk = (call, dataErrors = DataErrorCheckoutTypes) => async step => {
    const result = (await call(await api(), step)) || {};
    return {
      ...result,
      dataError: named(result.dataError, dataErrors),
      functionError: named(result.functionError, FunctionErrorCheckoutTypes),
    };
  };

  // legacyAPIProxy.watchQuery helpers: resolve with the first complete result, then unsubscribe.
  const watch = (name, variables) => async step => {
    const a = await api();
    return new Promise(resolve => {
      let handle = null;
      let done = false;
      const finish = out => {
        if (done) return;
        done = true;
        resolve(out);
        setImmediate(() => handle && handle.unsubscribe && handle.unsubscribe());
      };
      handle = a.legacyAPIProxy[name](variables(step), {
        fetchPolicy: "network-only",
        onUpdate: (data, loading) => {
          if (!loading) finish({ data });
        },
        onError: error => finish({ dataError: { error, type: null, typeName: "QUERY" } }),
      });
    });
  };

  const ops = {
    connect: step => connect(step),
    reload: step => {
      ctx.api = null;
      return connect(step);
    },

    addItem: sdk((a, s) => a.cart.addItem(s.variantId, s.quantity)),
    removeItem: sdk((a, s) => a.cart.removeItem(s.variantId)),
    subtractItem: sdk((a, s) => a.cart.subtractItem(s.variantId)),
    updateItem: sdk((a, s) => a.cart.updateItem(s.variantId, s.quantity)),

    setShippingAddress: sdk((a, s) => a.checkout.setShippingAddress(s.address, s.email)),
    setBillingAddress: sdk((a, s) => a.checkout.setBillingAddress(s.address, s.email)),
    setBillingAsShippingAddress: sdk(a => a.checkout.setBillingAsShippingAddress()),
    setShippingMethod: sdk((a, s) => a.checkout.setShippingMethod(s.shippingMethodId)),
    addPromoCode: sdk((a, s) => a.checkout.addPromoCode(s.promoCode)),
    removePromoCode: sdk((a, s) => a.checkout.removePromoCode(s.promoCode)),
    createPayment: sdk((a, s) =>
      a.checkout.createPayment({
        gateway: s.gateway,
        returnUrl: s.returnUrl,
        token: s.token,
        creditCard: s.creditCard,
      })
    ),
    completeCheckout: sdk((a, s) =>
      a.checkout.completeCheckout({
        paymentData: s.paymentData,
        redirectUrl: s.redirectUrl,
        storeSource: s.storeSource,
      })
    ),

    signIn: sdk((a, s) => a.auth.signIn(s.email, s.password, s.autoSignIn ?? true), DataErrorAuthTypes),
    signOut: sdk(a => a.auth.signOut(), DataErrorAuthTypes),
    refreshSignInToken: sdk((a, s) => a.auth.refreshSignInToken(s.refreshToken), DataErrorAuthTypes),

    getOrderByToken: watch("getOrderDetails", s => ({ token: s.token })),
    getOrdersByUser: watch("getOrdersByUser", s => ({ perPage: s.perPage ?? 20, after: s.after })),
    getShopDetails: watch("getShopDetails", () => ({})),

    query: async step => {
      await api();
      const document = gql(step.query);
      const isMutation = document.definitions.some(
        d => d.kind === "OperationDefinition" && d.operation === "mutation"
      );
      try {
        const result = isMutation
          ? await ctx.apolloClient.mutate({ mutation: document, variables: step.variables, errorPolicy: "all" })
          : await ctx.apolloClient.query({
              query: document,
              variables: step.variables,
              fetchPolicy: "network-only",
              errorPolicy: "all",
            });
        const errors = result.errors && result.errors.length ? result.errors : null;
        return { data: result.data ?? null, dataError: errors && { error: errors, type: null, typeName: "QUERY" } };
      } catch (error) {
        return { dataError: { error, type: null, typeName: "QUERY" } };
      }
    },

    state: async () => {
      await api();
      return {};
    },
    sleep: async step => {
      await new Promise(resolve => setTimeout(resolve, step.ms ?? 0));
      return {};
    },
  };

  // Wrap every op so that errors fired to the SDK's listeners during the step land on its line.
  for (const [name, op] of Object.entries(ops)) {
    ops[name] = async step => {
      const out = await op(step);
      await recorder.settle(step.settleMs ?? scenario.settleMs, scenario.stepTimeoutMs);
      return { ...out, firedErrors: ctx.firedErrors.splice(0) };
    };
  }

  const state = () => {
    const a = ctx.api;
    if (!a) return null;
    return {
      loaded: { auth: a.auth.loaded, checkout: a.checkout.loaded, cart: a.cart.loaded },
      auth: { authenticated: a.auth.authenticated ?? null, token: a.auth.token ?? null, user: a.auth.user ?? null },
      checkout: a.checkout.checkout ?? null,
      availableShippingMethods: a.checkout.availableShippingMethods ?? null,
      availablePaymentGateways: a.checkout.availablePaymentGateways ?? null,
      promoCodeDiscount: a.checkout.promoCodeDiscount ?? null,
      billingAsShipping: a.checkout.billingAsShipping ?? null,
      payment: a.checkout.payment ?? null,
      cart: {
        items: a.cart.items ?? null,
        totalPrice: a.cart.totalPrice ?? null,
        subtotalPrice: a.cart.subtotalPrice ?? null,
        shippingPrice: a.cart.shippingPrice ?? null,
        discount: a.cart.discount ?? null,
      },
    };
  };

  return { ops, state };
});
