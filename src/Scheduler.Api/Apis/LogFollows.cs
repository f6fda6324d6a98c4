using Microsoft.Extensions.Options;
using Scheduler.Operator.Hosting;

namespace Scheduler.Api.Apis;

/// <summary>
/// The <c>follow=true</c> log streams open in this process, per user and in all. A follow holds a connection here and one
/// to the Kubernetes API for up to <c>MaxFollow</c> (30 min), so without a bound one client could open them until sockets
/// or the API server's patience ran out. Counts are keyed by the signed-in user's name and dropped at zero, so the map
/// holds only users with a follow open.
/// </summary>
internal sealed class LogFollows(IOptions<LogOptions> options)
{
    private readonly Dictionary<string, int> _byUser = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>A slot for <paramref name="user"/> to dispose when the follow ends, or null with the bound it would pass.</summary>
    public Slot? TryOpen(string user, out string refusal)
    {
        var bounds = options.Value;
        lock (_byUser)
        {
            _byUser.TryGetValue(user, out var open);
            if (open >= bounds.MaxFollowsPerUser)
            {
                refusal = $"user '{user}' already follows {open} logs, the most one user may (Scheduler:Logs:MaxFollowsPerUser); close one or read without follow";
                return null;
            }

            if (_total >= bounds.MaxFollows)
            {
                refusal = $"this control plane already serves {_total} log follows, its most (Scheduler:Logs:MaxFollows); retry later or read without follow";
                return null;
            }

            _byUser[user] = open + 1;
            _total++;
        }

        refusal = string.Empty;
        return new Slot(this, user);
    }

    /// <summary>Follows open now for <paramref name="user"/>.</summary>
    public int OpenFor(string user)
    {
        lock (_byUser)
        {
            return _byUser.GetValueOrDefault(user);
        }
    }

    /// <summary>Users with a follow open now (the map's size).</summary>
    public int Users
    {
        get
        {
            lock (_byUser)
            {
                return _byUser.Count;
            }
        }
    }

    private void Close(string user)
    {
        lock (_byUser)
        {
            _total--;
            if (_byUser[user] == 1)
            {
                _byUser.Remove(user);
            }
            else
            {
                _byUser[user]--;
            }
        }
    }

    /// <summary>One open follow; disposing it twice closes it once.</summary>
    public sealed class Slot(LogFollows owner, string user) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                owner.Close(user);
            }
        }
    }
}
