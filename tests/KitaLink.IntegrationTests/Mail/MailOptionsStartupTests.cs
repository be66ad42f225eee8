using KitaLink.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Options;

namespace KitaLink.IntegrationTests.Mail;

/// <summary>A misconfigured mail setup stops the service at start-up instead of failing every mail later.</summary>
public sealed class MailOptionsStartupTests
{
    private sealed class MisconfiguredFactory : KitaLinkFactory
    {
        private readonly string _key;
        private readonly string _value;

        public MisconfiguredFactory(string key, string value)
        {
            _key = key;
            _value = value;
            // Never opened: validation stops the host before anything touches the database.
            ConnectionString = PostgresServer.ConnectionStringFor("kitalink_never_created");
        }

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { [_key] = _value };
    }

    [Theory]
    [InlineData("Smtp:From", "KitaLink without address")]
    [InlineData("Smtp:Port", "0")]
    [InlineData("Smtp:Username", "user-without-password")]
    [InlineData("Outbox:BatchSize", "0")]
    [InlineData("Outbox:LeaseSeconds", "60")]
    public async Task InvalidMailSettings_StopTheHostAtStart(string key, string value)
    {
        await using var factory = new MisconfiguredFactory(key, value);
        var exception = Record.Exception(() => factory.CreateClient());
        var validation = exception as OptionsValidationException
            ?? (exception as AggregateException)?.InnerExceptions.OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"Expected an options validation failure, got: {exception}");
    }
}
