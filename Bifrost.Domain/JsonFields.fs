namespace Bifrost.Domain

open System
open System.Text.Json

/// Reading configuration values from JSON, shared by every section's parser (the core config, `portfolio`): a value of
/// the wrong kind or out of range is refused with the key path named, never a crash.
module internal JsonFields =
    exception FieldError of path: string * message: string

    let fail path message = raise (FieldError(path, message))

    /// The property, if present and not null.
    let tryProp (e: JsonElement) (key: string) =
        match e.TryGetProperty key with
        | true, v when v.ValueKind <> JsonValueKind.Null -> Some v
        | _ -> None

    let number path (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.Number then fail path $"must be a number, got {e.ValueKind}"
        let v = e.GetDouble()
        if not (Double.IsFinite v) then fail path "must be finite"
        v

    // The kind is checked first: TryGetInt32 on a string throws (a crash, not a refusal).
    let integer path (e: JsonElement) =
        if e.ValueKind <> JsonValueKind.Number then fail path $"must be a whole number, got {e.ValueKind}"
        match e.TryGetInt32() with
        | true, v -> v
        | _ -> fail path $"must be a whole number in {Int32.MinValue}..{Int32.MaxValue}, got {e.GetRawText()}"
