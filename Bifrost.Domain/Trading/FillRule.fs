namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Why an execution carrying one of this engine's order refs is not that order's fill.
type FillRefusal =
    /// Reported by another client id than the engine's: a second engine with this run_id (ANOTHER_ENGINE).
    | AnotherClient
    /// In another contract or direction than the order (EXECUTION_MISMATCH).
    | UnlikeItsOrder
    /// Of another order: its permId (account-wide) is not the order's, both known (EXECUTION_MISMATCH).
    | AnotherOrder

module FillRefusal =
    let describe = function
        | AnotherClient -> "another client id's: a second engine with this run_id"
        | UnlikeItsOrder -> "in another contract or direction than the order"
        | AnotherOrder -> "another order's permId"

/// What the rule reads of an execution: as it arrives, or as the store kept it.
type FillFacts =
    { FillContract: ContractId
      FillSide: Side
      /// 0: unknown.
      FillPermId: int64
      FillClient: int
      /// The engine's own client id when the execution came. None: unknown (a fill stored before schema 11, a
      /// backtest), then the client is not judged.
      EngineClient: int option }

/// The one rule by which the live engine refuses an execution of its ref as not that order's (Restart.onExecution,
/// OrderFlow.onExecution) and a restart's replay of the stored fills refuses it again (StoreRestore): a restart must
/// rebuild the book the live engine held, not put back a second engine's fills.
module FillRule =
    let otherClient (engine: int option) (clientId: int) =
        match engine with
        | Some mine -> clientId <> mine
        | None -> false

    let otherOrder (orderPermId: int64) (fillPermId: int64) = fillPermId <> 0L && orderPermId <> 0L && fillPermId <> orderPermId

    /// None: the execution is `o`'s fill. Judged against the order as the engine holds it when the execution comes.
    let refusal (o: Order) (f: FillFacts) =
        if otherClient f.EngineClient f.FillClient then Some AnotherClient
        elif o.ContractId <> f.FillContract || o.Side <> f.FillSide then Some UnlikeItsOrder
        elif otherOrder o.PermId f.FillPermId then Some AnotherOrder
        else None

    /// A restart's replay of one order's stored fills, in the order they came (IB's corrections left out: live they
    /// never reach this rule). A fill applied gives the order its permId if it had none (as OrderFlow does), and the
    /// fills after are judged against it. The verdicts in order, and the order's permId after.
    let replay (o: Order) (fills: FillFacts list) =
        fills |> List.mapFold (fun (permId: int64) f ->
            let verdict = refusal { o with PermId = permId } f
            verdict, (if verdict.IsNone && permId = 0L then f.FillPermId else permId)) o.PermId
