namespace Bifrost.Domain.Trading

open Bifrost.Domain

/// Contracts the exchange halted (IB's tick 49). A halted stock trades nothing until its reopening auction: a hedge,
/// an operator's or a portfolio order sent meanwhile waits at IB for it and fills at whatever the auction gaps to, and
/// the quote the feed watch asks for again is the frozen one, fresh by its receive time. No new order goes to a halted
/// contract (UNDERLYING_HALTED for the hedger); one already working is left at IB, which holds it for the reopening
/// (cancelled and sent again it would be the same order, later in the auction's queue). The halt is the exchange's,
/// not a fault: the hedger goes on by itself when IB reports the contract trading again.
module ExchangeHalts =
    let isHalted (s: State) (id: ContractId) = not s.TradingHalts.IsEmpty && s.TradingHalts.ContainsKey id

    /// "AAA halted by the exchange (volatility halt) for 42 s".
    let describe (cfg: Config) (s: State) (id: ContractId) =
        match s.TradingHalts |> Map.tryFind id with
        | Some(halt, since) ->
            Some $"{State.contractName cfg s (ContractId.value id)} halted by the exchange ({TradingHalt.name halt}) for {Duration.toSeconds (Timestamp.since since s.Now):F0} s"
        | None -> None

    /// Why no order may go to this contract now (None: it may): halted, an order would wait for the reopening.
    let orderProblem (cfg: Config) (s: State) (id: ContractId) =
        if not (isHalted s id) then None
        else
            describe cfg s id
            |> Option.map (fun d -> $"UNDERLYING_HALTED: {d}: an order would wait at IB for the reopening auction and fill at its price; nothing sent")

    /// Every halted contract, named (the self-check's detail).
    let named (cfg: Config) (s: State) =
        [ for KeyValue(id, _) in s.TradingHalts do
              match describe cfg s id with
              | Some d -> d
              | None -> () ]
