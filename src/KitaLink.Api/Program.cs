using FluentValidation;
using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Children;
using KitaLink.Api.Facilities;
using KitaLink.Api.Guardians;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Health;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Http;
using KitaLink.Api.Infrastructure.Idempotency;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Infrastructure.Startup;
using KitaLink.Api.Infrastructure.Telemetry;
using KitaLink.Api.Links;
using KitaLink.Api.MailEvents;
using KitaLink.Api.Mfa;
using KitaLink.Api.Onboarding;
using KitaLink.Api.Pins;
using KitaLink.Api.Privacy;
using KitaLink.Api.Staff;
using KitaLink.Api.Webhooks;

if (args is ["healthcheck"]) return await HealthCheckCommand.RunAsync();

var builder = WebApplication.CreateBuilder(args);

builder.Logging.ClearProviders().AddJsonConsole(options =>
{
    options.IncludeScopes = true;
    options.UseUtcTimestamp = true;
    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
});

builder.AddKitaLinkTelemetry();
builder.AddKitaLinkHttp();
builder.AddKitaLinkEdge();
// First hosted service: migrations run before Data Protection and the outbox sender read the database.
builder.AddKitaLinkStartupTasks();
builder.AddKitaLinkData();
builder.AddKitaLinkSecurity();
builder.AddKitaLinkAudit();
builder.AddKitaLinkAuth();
builder.AddKitaLinkMail();
builder.AddKitaLinkMailEvents();
builder.AddKitaLinkParents();
builder.AddKitaLinkStaff();
builder.AddKitaLinkSecondFactor();
builder.AddKitaLinkPrivacy();
builder.AddKitaLinkPins();
builder.AddKitaLinkChildren();
builder.AddKitaLinkLinks();
builder.AddKitaLinkAddressCheck();
builder.AddKitaLinkWebhooks();
builder.Services.AddKitaLinkHealth();
builder.Services.AddKitaLinkSwagger();
builder.Services.AddKitaLinkIdempotency();
builder.Services.AddValidatorsFromAssemblyContaining<Program>(ServiceLifetime.Singleton);

var app = builder.Build();

app.UseKitaLinkMetricsEndpoint();
app.UseKitaLinkEdge();
app.UseKitaLinkProblemDetails();
app.UseKitaLinkSecurityHeaders();
app.UseKitaLinkRequestLimits();
app.UseKitaLinkGrowableRequestChecks();
app.UseKitaLinkSwagger();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealth();
app.MapStaffAuth();
app.MapSecondFactor();
app.MapParentAccounts();
app.MapParentAuth();
app.MapMe();
app.MapMyChildren();
app.MapFacilities();
app.MapFacilityStaff();
app.MapParentSessionsForOperator();
app.MapChildren();
app.MapChildEvents();
app.MapGuardians();
app.MapPins();
app.MapOnboarding();
app.MapMailEvents();
app.MapDataExport();
app.MapWebhooks();

// A missing or invalid setting: one line naming it and exit code 1, before anything starts.
if (StartupCheck.Problem(app.Services, migrateOnly: args is ["migrate"]) is { } problem)
{
    await Console.Error.WriteLineAsync(problem);
    return 1;
}

// `KitaLink.Api migrate` applies pending migrations and exits (one step per release in production).
if (args is ["migrate"])
{
    await StartupTasks.RunStartupTasksAsync(app.Services, migrateOnly: true);
    return 0;
}

await app.RunAsync();
return 0;

/// <summary>Entry point; public for <c>WebApplicationFactory&lt;Program&gt;</c> in the integration tests.</summary>
public partial class Program;
