using Scheduler.Domain.Workloads;

namespace Scheduler.Trainer.Telemetry;

/// <summary>Where telemetry goes (<see cref="TelemetrySample"/>, the contract's body); reporting never blocks or fails training.</summary>
internal interface ITelemetrySink : IAsyncDisposable
{
    void Report(TelemetrySample sample);
}
