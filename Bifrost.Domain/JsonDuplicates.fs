namespace Bifrost.Domain

open System
open System.Text.Json

/// A key given twice in one JSON object. System.Text.Json's JsonDocument keeps both and a lookup takes the last, so
/// `"max_position": 3000, "max_position": 3000000` would silently pass as the second: every configuration reader
/// refuses a repeated key, naming its path.
module JsonDuplicates =
    /// The path of the first key repeated within one object (`risk.max_position`, `strategy.legs[1].strike`), if any.
    let firstIn (root: JsonElement) : string option =
        root
        |> JsonWalk.firstIn (fun path e ->
            if e.ValueKind <> JsonValueKind.Object then None
            else
                let seen = Collections.Generic.HashSet<string>(StringComparer.Ordinal)
                e.EnumerateObject() |> Seq.tryPick (fun p -> if seen.Add p.Name then None else Some(JsonWalk.child path p.Name)))

    /// C#-friendly: the repeated key's path, or null.
    let FirstIn (root: JsonElement) : string = match firstIn root with Some p -> p | None -> null
