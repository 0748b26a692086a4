/// The Expecto runner: `dotnet run --project tests/Bifrost.Domain.Tests -c Release [-- expecto options]`; exit 0 only
/// when every test passed (scripts/test.sh runs it and counts its results).
module Bifrost.Domain.Tests.Main

open Expecto

[<EntryPoint>]
let main argv = Tests.runTestsInAssemblyWithCLIArgs [] argv
