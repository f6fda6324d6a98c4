using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Hosting;

/// <summary>
/// Turns SIGTERM (Kubernetes preemption, deletion) and SIGINT into a flag the training loop reads between steps, instead
/// of the runtime's default of ending the process, so the loop can commit a checkpoint first.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private volatile bool _requested;

    public StopSignal(TextWriter log)
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Request(context, log)),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Request(context, log)),
        ];
    }

    public bool Requested => _requested;

    private void Request(PosixSignalContext context, TextWriter log)
    {
        context.Cancel = true;
        if (!_requested)
        {
            log.WriteLine($"trainer: {context.Signal} received; stopping after this step with a checkpoint");
        }

        _requested = true;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
