namespace Bifrost.Sim.Ticks;

/// <summary>Tick data that cannot be used as it is: names the file and what is wrong.</summary>
public sealed class TickDataException(string message) : Exception(message);
