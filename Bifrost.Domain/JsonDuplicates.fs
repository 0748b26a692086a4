namespace Bifrost.Domain

open System
open System.Text.Json

/// A key given twice in one JSON object. System.Text.Json's JsonDocument keeps both and a lookup takes the last, so
/// `"max_position": 3000, "max_position": 3000000` would silently pass as the second: every configuration reader
/// refuses a repeated key, naming its path.
module JsonDuplicates =
    let private child (path: string) (key: string) = if path = "" then key else path + "." + key

    /// The path of the first key repeated within one object (`risk.max_position`, `strategy.legs[1].strike`), if any.
    let firstIn (root: JsonElement) : string option =
        let rec walk (path: string) (e: JsonElement) =
            match e.ValueKind with
            | JsonValueKind.Object ->
                let seen = Collections.Generic.HashSet<string>(StringComparer.Ordinal)
                let mutable found = None
                let mutable props = e.EnumerateObject()
                while found.IsNone && props.MoveNext() do
                    let p = props.Current
                    if not (seen.Add p.Name) then found <- Some(child path p.Name)
                    else found <- walk (child path p.Name) p.Value
                found
            | JsonValueKind.Array ->
                let mutable found = None
                let mutable i = 0
                let mutable items = e.EnumerateArray()
                while found.IsNone && items.MoveNext() do
                    found <- walk $"{path}[{i}]" items.Current
                    i <- i + 1
                found
            | _ -> None
        walk "" root

    /// C#-friendly: the repeated key's path, or null.
    let FirstIn (root: JsonElement) : string = match firstIn root with Some p -> p | None -> null
