using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Parent;

/// <summary>The service with EF Core's SQL command log switched on, to count the commands of a request.</summary>
public sealed class SqlLoggingFactory : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Information",
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

        // No N+1: children and facilities come with the links in one SQL command.
        var commands = factory.Logs.Lines.Skip(marker)
            .Where(l => l.Contains("Executed DbCommand", StringComparison.Ordinal) && l.Contains("child_links", StringComparison.Ordinal))
            .ToList();
        var command = Assert.Single(commands);
        Assert.Contains("JOIN children", command, StringComparison.Ordinal);
        Assert.Contains("JOIN facilities", command, StringComparison.Ordinal);
    }
}
