namespace Bifrost.Sim.Ticks;

/// <summary>Tick arrays handed back by a run that is done with them, for the reader's next row groups. A row group's
/// batch is a few MB (large-object heap): allocating each afresh cost a backtest ~13 % of its time in page faults,
/// zeroing and gen-2 collections. Thread-safe (the prefetch thread rents, the run returns); a rented array is
/// overwritten in full before it is handed out again. Only a source whose consumer says it is done may recycle: shared
/// decoded ticks (sweeps) never come from here.</summary>
public sealed class TickBatchPool(int capacity = 4)
{
    private readonly Stack<Tick[]> _free = new();
    private long _reused;

    /// <summary>How many batches were served from returned arrays (tests check recycling happened).</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <summary>An array of exactly <paramref name="length"/> ticks: a returned one when there is one (its contents
    /// are stale: the caller overwrites every element), else a new one.</summary>
    public Tick[] Rent(int length)
    {
        lock (_free)
        {
            while (_free.TryPop(out var a))
                if (a.Length == length) // row groups are mostly one size; an odd one (the last) is dropped
                {
                    _reused++;
                    return a;
                }
        }
        return new Tick[length];
    }

    /// <summary>The consumer is done with <paramref name="batch"/>: no reference to it may be read after this.</summary>
    public void Return(Tick[] batch)
    {
        lock (_free)
            if (_free.Count < capacity) _free.Push(batch);
    }
}
