using System.Net;
using System.Text;
using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KitaLink.IntegrationTests.Foundation;

/// <summary>Adds a route that fails with an unexpected exception, to prove bugs become a plain 500 problem.</summary>
public sealed class FaultyEndpointFactory : KitaLinkFactory
{
    public const string SecretInException = "connection-password-should-not-leak";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new ThrowingRoute()));
    }

    private sealed class ThrowingRoute : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map("/test/boom", boom => boom.Run(_ => throw new InvalidOperationException(SecretInException)));
        };
    }
}

public sealed class ProblemDetailsTests(FaultyEndpointFactory factory) : IClassFixture<FaultyEndpointFactory>
{
    private const string TokenPath = "/api/v1/staff/auth/token";

    [Fact]
    public async Task UnknownRoute_Returns404NotFoundProblem()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/does-not-exist");
        await response.ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task WrongMethod_Returns405Problem()
    {
        var response = await factory.CreateClient().DeleteAsync("/health/live");
        await response.ExpectProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task MalformedJson_Returns400ValidationFailed()
    {
        var content = new StringContent("{\"email\": \"a@b.de\", \"password\": ", Encoding.UTF8, "application/json");
        var response = await factory.CreateClient().PostAsync(TokenPath, content);
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task MissingBody_Returns400ValidationFailed()
    {
        var content = new StringContent("", Encoding.UTF8, "application/json");
        var response = await factory.CreateClient().PostAsync(TokenPath, content);
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task WrongContentType_Returns415Problem()
    {
        var content = new StringContent("email=a@b.de&password=x", Encoding.UTF8, "application/x-www-form-urlencoded");
        var response = await factory.CreateClient().PostAsync(TokenPath, content);
        await response.ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task OversizedBody_Returns413Problem()
    {
        var huge = new string('x', 200_000);
        var content = new StringContent($"{{\"email\":\"a@b.de\",\"password\":\"{huge}\"}}", Encoding.UTF8, "application/json");
        var response = await factory.CreateClient().PostAsync(TokenPath, content);
        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task UnknownJsonMember_Returns400ValidationFailed()
    {
        var response = await factory.CreateClient().PostJsonAsync(TokenPath, new { email = "a@b.de", password = "x", role = "operator" });
        await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task MissingFields_Returns400WithErrorsPerField()
    {
        var response = await factory.CreateClient().PostJsonAsync(TokenPath, new { email = "", password = "" });
        var problem = await response.ExpectProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem.GetProperty("errors");
        // Field names as in the JSON body (camelCase).
        Assert.True(errors.TryGetProperty("email", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("password", out _), errors.ToString());
    }

    [Fact]
    public async Task UnhandledException_Returns500ProblemWithoutInternals()
    {
        var response = await factory.CreateClient().GetAsync("/test/boom");
        var problem = await response.ExpectProblemAsync(HttpStatusCode.InternalServerError, "internal_error");
        Assert.DoesNotContain(FaultyEndpointFactory.SecretInException, problem.ToString());
        Assert.DoesNotContain("InvalidOperationException", problem.ToString());
        // The details go to the log instead, for whoever investigates the traceId.
        Assert.Contains(factory.Logs.Lines, l => l.StartsWith("Error ", StringComparison.Ordinal)
            && l.Contains("Unhandled exception for GET /test/boom", StringComparison.Ordinal)
            && l.Contains(nameof(InvalidOperationException), StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcceptLanguageGerman_ReturnsGermanDetail()
    {
        var client = factory.CreateClient();
        var english = await (await client.GetAsync("/api/v1/nothing-here")).ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        var german = await (await client.GetAsync("/api/v1/nothing-here", token: null, language: "de-DE,de;q=0.9,en;q=0.5"))
            .ExpectProblemAsync(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Not found.", english.GetProperty("title").GetString());
        Assert.Equal("Nicht gefunden.", german.GetProperty("title").GetString());
    }
}
