using System.Net;
using Polly.Timeout;
using Scheduler.Kubernetes.Clients;

namespace Scheduler.Kubernetes.Tests.Clients;

public sealed class ApiRequestResilienceTests
{
    private static readonly ApiRequestOptions Quick = new()
    {
        Timeout = TimeSpan.FromMilliseconds(300),
        Retries = 3,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task A_transient_failure_is_retried_until_the_api_server_answers(HttpStatusCode transient)
    {
        var server = new Answers(transient, transient, HttpStatusCode.OK);
        using var client = Client(server);

        using var response = await client.GetAsync(new Uri("http://api/api/v1/pods"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, server.Calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    public async Task A_refusal_is_answered_at_once_without_a_retry(HttpStatusCode refusal)
    {
        var server = new Answers(refusal, HttpStatusCode.OK);
        using var client = Client(server);

        using var response = await client.PostAsync(new Uri("http://api/api/v1/namespaces/default/pods"), new StringContent("{}"), Ct);

        Assert.Equal(refusal, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_last_failure_is_answered()
    {
        var server = new Answers(Enumerable.Repeat(HttpStatusCode.ServiceUnavailable, 10).ToArray());
        using var client = Client(server);

        using var response = await client.GetAsync(new Uri("http://api/api/v1/pods"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(Quick.Retries + 1, server.Calls);
    }

    [Fact]
    public async Task An_api_server_that_never_answers_times_out_after_the_bounded_attempts()
    {
        var server = new Answers { Stall = true };
        using var client = Client(server);

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => client.GetAsync(new Uri("http://api/api/v1/pods"), Ct));

        Assert.Equal(Quick.Retries + 1, server.Calls);
    }

    [Fact]
    public async Task A_watch_is_neither_timed_out_nor_retried()
    {
        var server = new Answers(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        using var client = Client(server);

        using var response = await client.GetAsync(new Uri("http://api/api/v1/pods?watch=true&timeoutSeconds=300"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Calls);
    }

    private static HttpClient Client(Answers server) =>
        new(new ApiRequestResilience(Quick) { InnerHandler = server }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Answers the given codes in order (the last one from then on), or never answers at all.</summary>
    private sealed class Answers(params HttpStatusCode[] codes) : HttpMessageHandler
    {
        private int _calls;

        public bool Stall { get; init; }

        public int Calls => _calls;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref _calls);
            if (Stall)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            return new HttpResponseMessage(codes[Math.Min(call, codes.Length) - 1]) { RequestMessage = request };
        }
    }
}
