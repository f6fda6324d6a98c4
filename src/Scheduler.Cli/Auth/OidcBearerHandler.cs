using System.Net;
using System.Net.Http.Headers;
using Scheduler.Cli.Config;

namespace Scheduler.Cli.Auth;

/// <summary>
/// Sends the stored OIDC access token, refreshing it first when it has expired by <see cref="CliContext.Clock"/>, and once
/// more when the server answers 401 anyway (revoked, or expired by the server's clock); the call is then sent again with
/// the new token. Each new session goes to <paramref name="refreshed"/> (the command saves it in the config file).
/// </summary>
internal sealed class OidcBearerHandler(CliContext context, OidcSession session, Action<OidcSession> refreshed, HttpMessageHandler inner)
    : DelegatingHandler(inner)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private OidcSession _session = session;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var used = _session;
        if (used.IsExpired(context.Clock.GetUtcNow()))
        {
            used = await RefreshAsync(used, cancellationToken);
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", used.AccessToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized || used.RefreshToken is null)
        {
            return response;
        }

        // Once: a second 401 with a fresh token is the server's answer, printed as such.
        response.Dispose();
        var renewed = await RefreshAsync(used, cancellationToken);
        return await base.SendAsync(Copy(request, renewed.AccessToken), cancellationToken);
    }

    /// <summary>Refreshes unless another call already replaced <paramref name="stale"/> (top and logs -f send concurrently).</summary>
    private async Task<OidcSession> RefreshAsync(OidcSession stale, CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(_session, stale))
            {
                return _session;
            }

            using var provider = IdentityProvider.Create(context, stale.Authority, stale.ClientId);
            _session = await provider.RefreshAsync(stale, cancellationToken);
            refreshed(_session);
            return _session;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>A request is sent only once; its copy shares the content, which the first send left readable (buffered string content).</summary>
    private static HttpRequestMessage Copy(HttpRequestMessage request, string accessToken)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = request.Content, Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        copy.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return copy;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _refreshing.Dispose();
        }

        base.Dispose(disposing);
    }
}
