namespace Bifrost.Domain

open System
open System.Text.Json

/// Depth-first over a JSON document in document order (objects' values by key, arrays' items by index): the first path
/// a check reports. The check sees every element before its children (an object's own keys are its to check).
module JsonWalk =
    let child (path: string) (key: string) = if path = "" then key else path + "." + key

    let firstIn (check: string -> JsonElement -> string option) (root: JsonElement) : string option =
        let rec walk (path: string) (e: JsonElement) =
            match check path e with
            | Some _ as found -> found
            | None ->
                let mutable found = None
                match e.ValueKind with
                | JsonValueKind.Object ->
                    let mutable props = e.EnumerateObject()
                    while found.IsNone && props.MoveNext() do
                        let p = props.Current
                        found <- walk (child path p.Name) p.Value
                | JsonValueKind.Array ->
                    let mutable i = 0
                    let mutable items = e.EnumerateArray()
                    while found.IsNone && items.MoveNext() do
                        found <- walk $"{path}[{i}]" items.Current
                        i <- i + 1
                | _ -> ()
                found
        walk "" root

/// Text JSON accepts but .NET cannot read: a lone `\uXXXX` surrogate escape (`"XYZ\ud800"`) parses, then throws
/// InvalidOperationException — not JsonException — the moment the string or key is read or written back, which no
/// reader's `catch JsonException` caught (an unhandled crash, exit 134). Every reader of operator-written JSON asks
/// first, so the refusal names the key.
module JsonText =
    let private readable (read: unit -> string) =
        try read () |> ignore; true
        with :? InvalidOperationException -> false

    /// The path of the first key or string value that is not valid UTF-16 text, if any (a bad key is named by its
    /// object's path).
    let firstUnreadable (root: JsonElement) : string option =
        root
        |> JsonWalk.firstIn (fun path e ->
            match e.ValueKind with
            | JsonValueKind.String -> if readable e.GetString then None else Some(if path = "" then "(json)" else path)
            | JsonValueKind.Object when e.EnumerateObject() |> Seq.exists (fun p -> not (readable (fun () -> p.Name))) ->
                Some(JsonWalk.child path "(a key)")
            | _ -> None)

    /// The message every reader gives for it.
    [<Literal>]
    let Refusal = "is not valid text (a lone \\uXXXX surrogate escape)"

    /// C#-friendly: the unreadable key's path, or null.
    let FirstUnreadable (root: JsonElement) : string = match firstUnreadable root with Some p -> p | None -> null
