namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Small constructors for the commands the reducer emits, so each handler reads as a decision.
module Emit =
    let op (s: State) kind runId orderRef (conId: int) side qty price detail =
        RecordOperation
            { Time = s.Now; Kind = kind; RunId = runId; OrderRef = orderRef; ContractId = conId; Side = side
              Quantity = qty; Price = price; Detail = detail }

    let note (s: State) kind runId detail = op s kind runId "" 0 "" 0 nan detail

    let orderOp (s: State) kind (o: Order) price detail =
        op s kind o.RunId (OrderRef.value o.Ref) (ContractId.value o.ContractId) (Side.name o.Side) o.Quantity price detail

    let alert (s: State) severity code message =
        RaiseAlert { Time = s.Now; Severity = severity; Code = code; Message = message }

    /// An alert and its line in the operations log.
    let alertAndRecord (s: State) severity code message =
        [ alert s severity code message; note s OperationKind.AlertRaised "" $"{code}: {message}" ]

    let fsmChange (s: State) (before: FsmState) =
        if FsmState.name before = FsmState.name s.Fsm then []
        else [ note s OperationKind.FsmChanged "" $"{FsmState.name before} -> {FsmState.name s.Fsm}" ]

    let snapshot (cfg: Config) (s: State) : StatusSnapshot =
        let ids =
            (State.underlyingId cfg :: [ for l in s.Legs -> l.Option.ContractId ])
            @ Portfolio.contracts s.Portfolio
            |> List.distinct
        let realized = Portfolio.totalRealized s.Portfolio
        let unrealized = State.unrealized cfg s
        let fees = Portfolio.totalFees s.Portfolio
        let day = State.limitsPnl cfg s // State.dayPnl's total, asked once for the figure and whether it is known
        { Time = s.Now
          FsmState = FsmState.name s.Fsm
          Report = SelfCheck.run cfg s
          Positions = ids |> List.map (fun id -> Portfolio.view id s.Portfolio)
          Book = s.Book
          NetDelta = State.netDelta cfg s
          BandHalfWidth = Composite.bandHalfWidth cfg s
          Spot = State.spot s
          RealizedPnl = realized
          UnrealizedPnl = unrealized
          Fees = fees
          DailyPnl = State.dailyPnlOf s day
          // Not the 0 that stands for an unknown day P&L (a book without a valuation, no baseline yet).
          DailyPnlKnown = System.Double.IsFinite(day - s.Daily.StartPnl)
          Attribution = s.Attribution
          TradesToday = s.Daily.Trades
          WorkingOrders = State.workingOrders s |> List.length }

    let publish cfg s = PublishStatus(snapshot cfg s)
