namespace Bifrost.Sim.Tests;
