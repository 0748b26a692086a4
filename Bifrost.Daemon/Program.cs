// bifrost-daemon: see DaemonProgram for the command line and exit codes.
return await Bifrost.Daemon.DaemonProgram.RunMain(args);
