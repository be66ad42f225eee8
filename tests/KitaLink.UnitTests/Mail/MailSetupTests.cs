using KitaLink.Api.Infrastructure.Email;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace KitaLink.UnitTests.Mail;

/// <summary>What <c>AddKitaLinkMail</c> registers, and that bad settings fail the start-up validation.</summary>
public sealed class MailSetupTests
{
    private static IServiceCollection Register(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value));
        builder.AddKitaLinkMail();
        return builder.Services;
    }

    private static ServiceProvider Build(params (string Key, string Value)[] settings) => Register(settings).BuildServiceProvider();

    [Fact]
    public void ValidSettings_PassStartupValidation()
    {
        using var provider = Build(("Smtp:Host", "smtp.kita.example"), ("Smtp:Username", "kitalink"), ("Smtp:Password", "secret"));
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Theory]
    [InlineData("Smtp:From", "KitaLink without address")]
    [InlineData("Smtp:Port", "0")]
    [InlineData("Smtp:Username", "user-without-password")]
    [InlineData("Smtp:MaxConnections", "0")]
    [InlineData("Outbox:BatchSize", "0")]
    [InlineData("Outbox:MaxAttempts", "0")]
    [InlineData("Outbox:PollIntervalMilliseconds", "0")]
    [InlineData("Outbox:LeaseSeconds", "60")]
    [InlineData("Outbox:BackoffCapSeconds", "5")]
    public void InvalidSettings_FailStartupValidation(string key, string value)
    {
        using var provider = Build((key, value));
        var exception = Record.Exception(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.NotNull(exception);
        var failures = exception is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [exception];
        Assert.NotEmpty(failures);
        Assert.All(failures, failure => Assert.IsType<OptionsValidationException>(failure));
    }

    [Fact]
    public void WithoutHost_MailGoesToThePickupDirectory_WithHost_ToSmtp()
    {
        using (var pickup = Build(("Smtp:PickupDirectory", "/tmp/kitalink-mail")))
        {
            var transport = Assert.IsType<PickupDirectoryMailTransport>(pickup.GetRequiredService<IMailTransport>());
            Assert.Equal("/tmp/kitalink-mail", transport.Directory);
        }
        using var smtp = Build(("Smtp:Host", "smtp.kita.example"));
        Assert.IsType<SmtpMailTransport>(smtp.GetRequiredService<IMailTransport>());
    }

    [Fact]
    public void OutboxEnabledSwitch_DecidesWhetherTheSenderRuns()
    {
        static bool IsSender(ServiceDescriptor d) => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(OutboxSender);
        Assert.Contains(Register(), IsSender);
        Assert.DoesNotContain(Register(("Outbox:Enabled", "false")), IsSender);
    }
}
