using System.Globalization;
using System.Net;
using KitaLink.Api.Infrastructure.Startup;

namespace KitaLink.UnitTests;

public sealed class HealthCheckCommandTests
{
    [Theory]
    [InlineData(null, 8080)]
    [InlineData("", 8080)]
    [InlineData("5000", 5000)]
    [InlineData(" 5000 ", 5000)]
    [InlineData("5000;5001", 5000)]
    [InlineData("not-a-port", 8080)]
    [InlineData("-1", 8080)]
    [InlineData("70000", 8080)]
    public void LivenessUrl_ProbesFirstHttpPortOnLoopback_Else8080(string? httpPorts, int expectedPort)
    {
        Assert.Equal(new Uri($"http://127.0.0.1:{expectedPort}/health/live"), HealthCheckCommand.LivenessUrl(httpPorts));
    }

    [Fact]
    public async Task Run_WhenLivenessAnswers200_ExitsZero()
    {
        var handler = new StubHandler(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)));
        var output = new StringWriter();

        var exitCode = await HealthCheckCommand.RunAsync(new HttpClient(handler), "8081", output);

        Assert.Equal(0, exitCode);
        Assert.Equal(HttpMethod.Get, handler.RequestedMethod);
        Assert.Equal(new Uri("http://127.0.0.1:8081/health/live"), handler.RequestedUri);
        Assert.StartsWith("healthy", output.ToString());
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task Run_WhenLivenessAnswersOtherStatus_ExitsOne(HttpStatusCode status)
    {
        var handler = new StubHandler(_ => Task.FromResult(new HttpResponseMessage(status)));
        var output = new StringWriter();

        var exitCode = await HealthCheckCommand.RunAsync(new HttpClient(handler), null, output);

        Assert.Equal(1, exitCode);
        Assert.Contains(((int)status).ToString(CultureInfo.InvariantCulture), output.ToString());
    }

    [Fact]
    public async Task Run_WhenNothingListens_ExitsOne()
    {
        var handler = new StubHandler(_ => throw new HttpRequestException("Connection refused"));
        var output = new StringWriter();

        var exitCode = await HealthCheckCommand.RunAsync(new HttpClient(handler), null, output);

        Assert.Equal(1, exitCode);
        Assert.Contains("Connection refused", output.ToString());
    }

    [Fact]
    public async Task Run_WhenServiceHangs_GivesUpAtTheClientTimeoutAndExitsOne()
    {
        var handler = new StubHandler(async cancellationToken =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromMilliseconds(100) };

        var exitCode = await HealthCheckCommand.RunAsync(client, null, new StringWriter());

        Assert.Equal(1, exitCode);
    }

    private sealed class StubHandler(Func<CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        public Uri? RequestedUri { get; private set; }
        public HttpMethod? RequestedMethod { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            RequestedUri = request.RequestUri;
            RequestedMethod = request.Method;
            return respond(cancellationToken);
        }
    }
}
