namespace Bifrost.Daemon.Tests;
