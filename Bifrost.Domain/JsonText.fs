namespace Bifrost.Domain

open System
open System.Text.Json

/// Text JSON accepts but .NET cannot read: a lone `\uXXXX` surrogate escape (`"XYZ\ud800"`) parses, then throws
/// InvalidOperationException — not JsonException — the moment the string or key is read or written back, which no
/// reader's `catch JsonException` caught (an unhandled crash, exit 134). Every reader of operator-written JSON asks
/// first, so the refusal names the key.
module JsonText =
    let private child (path: string) (key: string) = if path = "" then key else path + "." + key

    let private readable (read: unit -> string) =
        try read () |> ignore; true
        with :? InvalidOperationException -> false

    /// The path of the first key or string value that is not valid UTF-16 text, if any (a bad key is named by its
    /// object's path).
    let firstUnreadable (root: JsonElement) : string option =
        let rec walk (path: string) (e: JsonElement) =
            match e.ValueKind with
            | JsonValueKind.String -> if readable e.GetString then None else Some(if path = "" then "(json)" else path)
            | JsonValueKind.Object ->
                let mutable found = None
                let mutable props = e.EnumerateObject()
                while found.IsNone && props.MoveNext() do
                    let p = props.Current
                    if not (readable (fun () -> p.Name)) then found <- Some(child path "(a key)")
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

    /// The message every reader gives for it.
    [<Literal>]
    let Refusal = "is not valid text (a lone \\uXXXX surrogate escape)"

    /// C#-friendly: the unreadable key's path, or null.
    let FirstUnreadable (root: JsonElement) : string = match firstUnreadable root with Some p -> p | None -> null
