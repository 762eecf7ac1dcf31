namespace Uip2p.Cli;

/// <summary>
/// Ctrl-C for long work: the first one cancels <see cref="Token"/>, so the work stops at its next safe point (a training
/// step checkpointed, a scoring batch finished) and leaves a resumable state; a second one ends the process at once.
/// </summary>
sealed class Interruption : IDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly ConsoleCancelEventHandler _handler;

    /// <param name="message">Printed on stderr at the first Ctrl-C: what happens now.</param>
    public Interruption(string message)
    {
        _handler = (_, e) =>
        {
            if (_stop.IsCancellationRequested) return;   // the second Ctrl-C ends the process
            e.Cancel = true;
            _stop.Cancel();
            Console.Error.WriteLine(message);
        };
        Console.CancelKeyPress += _handler;
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _stop.Dispose();
    }
}
