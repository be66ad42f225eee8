using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

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

public sealed class ProductionConfigurationTests
{
    private const string DevelopmentJwtKey = "ZGV2ZWxvcG1lbnQtb25seS1rZXktLWtpdGFsaW5rLWp3dC1zaWduaW5nLWtleQ==";

    [Theory]
    [InlineData("", "Jwt:SigningKey")]
    [InlineData("too-short-key", "Jwt:SigningKey must be at least 256 bits")]
    [InlineData(DevelopmentJwtKey, "public development key")]
    public async Task StartUp_InProductionWithoutAProperSigningKey_Fails(string jwtKey, string expectedMessage)
    {
        await using var factory = new ProductionFactory(jwtKey, KitaLinkFactory.PinHashKey);
        await factory.InitializeAsync();
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
            var validation = error as OptionsValidationException ?? error.InnerException as OptionsValidationException
                ?? throw new Xunit.Sdk.XunitException($"Expected an options validation failure, got {error}");
            Assert.Contains(expectedMessage, validation.Message);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(factory.ConnectionString);
        }
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
