using System.Runtime.InteropServices;

namespace Uip2p.Cli;

/// <summary>
/// Ctrl-C (SIGINT) or SIGTERM for long work: the first one cancels <see cref="Token"/>, so the work stops at its next safe
/// point (a training step checkpointed, a scoring batch finished) and leaves a resumable state; a second Ctrl-C ends the
/// process at once. SIGTERM matters for runs started in the background (nohup, `&amp;` in a script): those inherit SIGINT
/// ignored, so `kill PID` is how they are stopped.
/// </summary>
sealed class Interruption : IDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly ConsoleCancelEventHandler _handler;
    readonly PosixSignalRegistration _terminate;

    /// <param name="message">Printed on stderr at the first signal: what happens now.</param>
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
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            Console.Error.WriteLine(message);
        });
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _terminate.Dispose();
        _stop.Dispose();
    }
}
