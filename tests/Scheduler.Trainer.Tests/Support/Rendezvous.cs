using System.Net.Sockets;
using Scheduler.Trainer.Tests.Telemetry;

namespace Scheduler.Trainer.Tests.Support;

/// <summary>
/// Starts every rank of one rendezvous on a MASTER_PORT probed free. The probe lets the port go before rank 0 binds it,
/// and another process (CI runs every test project at once) can take it in between: rank 0 then fails with
/// address-in-use, the other ranks (which would wait for a master that never answers, or talk to a stranger) are
/// cancelled, and all ranks start again on a fresh port.
/// </summary>
internal static class Rendezvous
{
    private const int Attempts = 10;

    /// <param name="worldSize">How many ranks to start.</param>
    /// <param name="rank">Runs one rank: its rank, MASTER_PORT and a token that abandons the attempt.</param>
    /// <param name="portTaken">Whether rank 0's result says it could not bind MASTER_PORT (when it reports rather than throws).</param>
    public static async Task<T[]> RunAsync<T>(int worldSize, Func<int, int, CancellationToken, Task<T>> rank, Func<T, bool>? portTaken = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = TelemetryServer.FreePort();
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            var ranks = Enumerable.Range(0, worldSize).Select(r => Task.Run(() => rank(r, port, abandon.Token))).ToArray();
            bool portLost;
            try
            {
                var master = await ranks[0];
                portLost = portTaken?.Invoke(master) == true;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                portLost = true;
            }
            catch
            {
                await AbandonAsync(abandon, ranks);
                throw;
            }

            if (!portLost)
            {
                return await Task.WhenAll(ranks);
            }

            await AbandonAsync(abandon, ranks);
            if (attempt == Attempts)
            {
                throw new InvalidOperationException($"MASTER_PORT was taken before rank 0 could bind it, {Attempts} times in a row");
            }
        }
    }

    /// <summary>The port taken from under rank 0, as the trainer's command line reports it.</summary>
    public static bool AddressInUse(string error) => error.Contains("Address already in use", StringComparison.Ordinal);

    private static async Task AbandonAsync<T>(CancellationTokenSource abandon, Task<T>[] ranks)
    {
        await abandon.CancelAsync();
        await ((Task)Task.WhenAll(ranks)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var rank in ranks.Where(r => r.IsCompletedSuccessfully))
        {
            (rank.Result as IDisposable)?.Dispose();
        }
    }
}
