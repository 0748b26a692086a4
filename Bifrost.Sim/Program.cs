// Placeholder until its issue lands: prints usage and exits 2 (no fake behaviour).
Console.Error.WriteLine("usage: bifrost-sim <command> [options]\nbifrost-sim is not implemented yet; see README.md.");
return 2;
