using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace KitaLink.IntegrationTests.Security;

/// <summary>The service in the Production environment with a given signing key and PIN hash key.</summary>
public sealed class ProductionFactory(string? jwtKey, string? pinKey) : KitaLinkFactory
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Jwt:SigningKey"] = jwtKey,
        ["Pins:HashKey"] = pinKey,
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}

[Collection(ApiProcessCollection.Name)]
public sealed class ProductionConfigurationTests
{
    private const string DevelopmentJwtKey = "ZGV2ZWxvcG1lbnQtb25seS1rZXktLWtpdGFsaW5rLWp3dC1zaWduaW5nLWtleQ==";

    /// <summary>
    /// The real process in Production: a missing or unusable setting ends it with exit code 1 and one line on
    /// standard error that names the setting, no stack trace and no log noise.
    /// </summary>
    [Theory]
    [InlineData(null, "Jwt__SigningKey")]
    [InlineData("too-short-key", "Jwt:SigningKey must be at least 256 bits")]
    [InlineData(DevelopmentJwtKey, "public development key")]
    public async Task StartUp_InProductionWithoutAProperSigningKey_ExitsWithCode1AndOneLineNamingIt(string? jwtKey, string expectedMessage)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = PostgresServer.ConnectionStringFor("postgres"),
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
        };
        if (jwtKey is not null)
        {
            environment["Jwt__SigningKey"] = jwtKey;
        }

        await AssertRefusedAsync(environment, expectedMessage);
    }

    [Fact]
    public async Task StartUp_InProductionWithoutConnectionString_ExitsWithCode1AndOneLineNamingIt()
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Jwt__SigningKey"] = KitaLinkFactory.JwtSigningKey,
            ["Pins__HashKey"] = KitaLinkFactory.PinHashKey,
        };

        await AssertRefusedAsync(environment, "ConnectionStrings__Postgres");
    }

    private static async Task AssertRefusedAsync(Dictionary<string, string> environment, string expectedMessage)
    {
        var (exitCode, standardOutput, standardError) = await ApiProcess.RunToExitAsync(environment, TimeSpan.FromMinutes(5));

        Assert.Equal(1, exitCode);
        Assert.Equal("", standardOutput.Trim());
        var line = Assert.Single(standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("KitaLink cannot start: ", line);
        Assert.Contains(expectedMessage, line);
    }

    [Fact]
    public async Task StartUp_InProductionWithSecretKeys_Succeeds()
    {
        await using var factory = new ProductionFactory(KitaLinkFactory.JwtSigningKey, KitaLinkFactory.PinHashKey);
        await factory.InitializeAsync();
        try
        {
            var response = await factory.CreateClient().GetAsync("/health/ready");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(factory.ConnectionString);
        }
    }
}
