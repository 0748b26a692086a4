// Conformance of the replay gateway with a TWS client nobody here wrote: @stoqey/ib (pinned in package.json).
// Usage: node gateway-conformance.mjs PORT OPTION_EXPIRY(yyyymmdd) [CLIENT_ID]
// Connects, requests positions, streams a stock and an option (expects tickOptionComputation), places and fills a MKT
// order, places and cancels a far-away LMT order, requests executions, then prints one JSON summary line on stdout.
// Exit code 0 when every step completed, 1 otherwise (the summary says which step was pending).
import { IBApi, EventName, SecType, OrderAction, OrderType } from "@stoqey/ib";

const port = Number(process.argv[2]);
const expiry = process.argv[3];
const clientId = Number(process.argv[4] ?? 11);
if (!port || !expiry) {
  console.error("usage: node gateway-conformance.mjs PORT OPTION_EXPIRY [CLIENT_ID]");
  process.exit(2);
}

const summary = {
  connected: false, serverVersion: null, accounts: null, nextValidId: null,
  positions: [], positionEnd: false, positionUpdates: [],
  stock: { bid: null, ask: null, bidSize: null, askSize: null },
  option: { bid: null, ask: null, model: null },
  mkt: { orderId: null, statuses: [], execIds: [], commissions: [], openOrderStatuses: [], avgFillPrice: null, permId: null },
  lmt: { orderId: null, statuses: [], cancelCode: null },
  executions: [], execDetailsEnd: false,
  errors: [], infos: [], step: "connect",
};

const ib = new IBApi({ host: "127.0.0.1", port });
const waiters = [];
const check = () => { for (const w of [...waiters]) if (w.cond()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); } };
const until = (what, cond, ms = 10000) => new Promise((resolve, reject) => {
  summary.step = what;
  if (cond()) return resolve();
  const w = { cond, resolve };
  waiters.push(w);
  setTimeout(() => { if (waiters.includes(w)) reject(new Error(`timeout waiting for ${what}`)); }, ms);
});

ib.on(EventName.connected, () => { summary.connected = true; check(); });
ib.on(EventName.server, (v) => { summary.serverVersion = v; });
ib.on(EventName.managedAccounts, (a) => { summary.accounts = a; check(); });
ib.on(EventName.nextValidId, (id) => { summary.nextValidId = id; check(); });
ib.on(EventName.error, (err, code, reqId) => {
  summary.errors.push({ message: err?.message ?? String(err), code, reqId });
  if (code === 202 && reqId === summary.lmt.orderId) summary.lmt.cancelCode = 202;
  check();
});
ib.on(EventName.info, (message, code) => { summary.infos.push({ message, code }); });
ib.on(EventName.position, (account, contract, pos, avgCost) => {
  (summary.positionEnd ? summary.positionUpdates : summary.positions).push({ account, conId: contract.conId, symbol: contract.symbol, secType: contract.secType, pos, avgCost });
});
ib.on(EventName.positionEnd, () => { summary.positionEnd = true; check(); });
ib.on(EventName.tickPrice, (tickerId, field, value) => {
  const target = tickerId === 1001 ? summary.stock : tickerId === 1002 ? summary.option : null;
  if (!target) return;
  if (field === 1) target.bid = value;
  if (field === 2) target.ask = value;
  check();
});
ib.on(EventName.tickSize, (tickerId, field, value) => {
  if (tickerId !== 1001) return;
  if (field === 0) summary.stock.bidSize = value;
  if (field === 3) summary.stock.askSize = value;
});
ib.on(EventName.tickOptionComputation, (tickerId, field, tickAttrib, iv, delta, optPrice, pvDividend, gamma, vega, theta, undPrice) => {
  if (tickerId === 1002 && field === 13 && delta !== undefined) summary.option.model = { iv, delta, optPrice, gamma, vega, theta, undPrice };
  check();
});
ib.on(EventName.openOrder, (orderId, contract, order, orderState) => {
  if (orderId === summary.mkt.orderId) summary.mkt.openOrderStatuses.push(orderState.status);
});
ib.on(EventName.orderStatus, (orderId, status, filled, remaining, avgFillPrice, permId) => {
  if (orderId === summary.mkt.orderId) { summary.mkt.statuses.push(status); summary.mkt.avgFillPrice = avgFillPrice; summary.mkt.permId = permId; }
  if (orderId === summary.lmt.orderId) summary.lmt.statuses.push(status);
  check();
});
ib.on(EventName.execDetails, (reqId, contract, execution) => {
  if (reqId === -1 && execution.orderId === summary.mkt.orderId) summary.mkt.execIds.push(execution.execId);
  if (reqId === 2001) summary.executions.push({ execId: execution.execId, orderId: execution.orderId, clientId: execution.clientId, side: execution.side, shares: execution.shares, price: execution.price, orderRef: execution.orderRef, symbol: contract.symbol });
  check();
});
ib.on(EventName.execDetailsEnd, (reqId) => { if (reqId === 2001) summary.execDetailsEnd = true; check(); });
ib.on(EventName.commissionReport, (report) => { summary.mkt.commissions.push({ execId: report.execId, commission: report.commission }); check(); });

const finish = (code) => {
  process.stdout.write(JSON.stringify(summary) + "\n");
  try { ib.disconnect(); } catch { /* already gone */ }
  setTimeout(() => process.exit(code), 100);
};

try {
  ib.connect(clientId);
  await until("ready", () => summary.connected && summary.nextValidId !== null && summary.accounts !== null);

  ib.reqPositions();
  await until("positions", () => summary.positionEnd);

  const stock = { symbol: "XYZ", secType: SecType.STK, exchange: "SMART", currency: "USD" };
  const option = { symbol: "XYZ", secType: SecType.OPT, exchange: "SMART", currency: "USD", lastTradeDateOrContractMonth: expiry, strike: 100, right: "C", multiplier: 100 };
  ib.reqMktData(1001, stock, "", false, false);
  ib.reqMktData(1002, option, "", false, false);
  await until("stock quote", () => summary.stock.bid > 0 && summary.stock.ask > 0);
  await until("option quote and greeks", () => summary.option.bid > 0 && summary.option.model !== null, 20000);

  summary.mkt.orderId = summary.nextValidId;
  ib.placeOrder(summary.mkt.orderId, stock, { action: OrderAction.BUY, orderType: OrderType.MKT, totalQuantity: 100, orderRef: "node-mkt", transmit: true });
  await until("MKT fill", () => summary.mkt.statuses.includes("Filled") && summary.mkt.execIds.length > 0 && summary.mkt.commissions.length > 0);

  summary.lmt.orderId = summary.mkt.orderId + 1;
  ib.placeOrder(summary.lmt.orderId, stock, { action: OrderAction.BUY, orderType: OrderType.LMT, lmtPrice: 1.0, totalQuantity: 1, orderRef: "node-lmt", transmit: true });
  await until("LMT working", () => summary.lmt.statuses.some((s) => s === "Submitted" || s === "PreSubmitted"));
  ib.cancelOrder(summary.lmt.orderId);
  await until("LMT cancelled", () => summary.lmt.statuses.includes("Cancelled") && summary.lmt.cancelCode === 202);

  ib.reqExecutions(2001, {});
  await until("executions", () => summary.execDetailsEnd);
  ib.cancelMktData(1001);
  ib.cancelMktData(1002);
  summary.step = "done";
  finish(0);
} catch (e) {
  summary.failure = e.message;
  finish(1);
}
