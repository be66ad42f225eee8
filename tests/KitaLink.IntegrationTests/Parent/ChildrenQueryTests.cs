using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>The service with Npgsql's command log switched on, to count the statements of a request.</summary>
public sealed class SqlLoggingFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Npgsql.Command"] = "Debug",
    };
}

public sealed class ChildrenQueryTests(SqlLoggingFactory factory) : IClassFixture<SqlLoggingFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task ListChildren_IsOneQueryWhateverTheNumberOfLinks()
    {
        var email = ParentApi.UniqueEmail();
        var facility = await factory.SharedFacilityAsync();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email, facility));
        for (var i = 0; i < 3; i++)
        {
            await (await _client.LinkChildAsync(parent, await factory.IssuePinsAsync(email, facility))).ExpectAsync(HttpStatusCode.Created);
        }
        var marker = factory.Logs.Lines.Count;

        Assert.Equal(4, (await _client.MyChildrenAsync(parent.AccessToken, includeArchived: true)).Count);

        // No N+1 and no separate token check: one statement reads the account's token version, the links,
        // the children and their facilities.
        var statement = Assert.Single(ExecutedSince(marker, "/api/v1/me/children"));
        Assert.Contains("token_version", statement, StringComparison.Ordinal);
        Assert.Contains("JOIN children", statement, StringComparison.Ordinal);
        Assert.Contains("JOIN facilities", statement, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneChild_AndTheAccount_AreOneStatementEach_IncludingTheTokenCheck()
    {
        var email = ParentApi.UniqueEmail();
        var pins = await factory.IssuePinsAsync(email, await factory.SharedFacilityAsync());
        var parent = await _client.RegisterAsync(email, pins);

        var marker = factory.Logs.Lines.Count;
        await (await _client.GetAsync($"/api/v1/me/children/{pins.ChildId}", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("token_version", Assert.Single(ExecutedSince(marker, $"/api/v1/me/children/{pins.ChildId}")), StringComparison.Ordinal);

        marker = factory.Logs.Lines.Count;
        await (await _client.GetAsync("/api/v1/me", parent.AccessToken)).ExpectAsync(HttpStatusCode.OK);
        Assert.Contains("token_version", Assert.Single(ExecutedSince(marker, "/api/v1/me")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherParentEndpoints_CheckTheTokenVersionCentrally_InAStatementOfItsOwn()
    {
        var email = ParentApi.UniqueEmail();
        var parent = await _client.RegisterAsync(email, await factory.IssuePinsAsync(email, await factory.SharedFacilityAsync()));

        var marker = factory.Logs.Lines.Count;
        await (await _client.PostJsonAsync("/api/v1/me/children", new { pin1 = "ABCD-EFGH", pin2 = "ABCD-EFGH" }, parent.AccessToken))
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);

        Assert.Contains(ExecutedSince(marker, "/api/v1/me/children"), s => s.Contains("SELECT token_version FROM parent_accounts", StringComparison.Ordinal));
    }

    /// <summary>
    /// The statements Npgsql executed for requests to <paramref name="path"/> since <paramref name="marker"/> (log lines
    /// of category Npgsql.Command in the request's logging scope; the outbox sender's polling runs outside it).
    /// </summary>
    private List<string> ExecutedSince(int marker, string path) =>
        factory.Logs.Lines.Skip(marker)
            .Where(l => l.StartsWith("Debug Npgsql.Command: Executing", StringComparison.Ordinal)
                && l.Contains($"RequestPath:{path} ", StringComparison.Ordinal))
            .ToList();
}
