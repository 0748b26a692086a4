// Placeholder until its issue lands: prints usage and exits 2 (no fake behaviour).
Console.Error.WriteLine("usage: bifrost-tui <command> [options]\nbifrost-tui is not implemented yet; see README.md.");
return 2;
