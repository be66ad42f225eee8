using KitaLink.Api.Accounts;
using KitaLink.Api.Audit;
using KitaLink.Api.Auth;
using KitaLink.Api.Children;
using KitaLink.Api.Facilities;
using KitaLink.Api.Guardians;
using KitaLink.Api.Guardians.AddressCheck;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using KitaLink.Api.Staff;
using KitaLink.Api.Webhooks;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace KitaLink.Api.Infrastructure.Data;

public sealed class KitaLinkDbContext(DbContextOptions<KitaLinkDbContext> options)
    : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<Facility> Facilities => Set<Facility>();
    public DbSet<StaffMember> StaffMembers => Set<StaffMember>();
    public DbSet<Child> Children => Set<Child>();
    public DbSet<Guardian> Guardians => Set<Guardian>();
    public DbSet<PinPair> PinPairs => Set<PinPair>();
    public DbSet<PinBatch> PinBatches => Set<PinBatch>();
    public DbSet<WrongEmailAttempt> WrongEmailAttempts => Set<WrongEmailAttempt>();
    public DbSet<PinReminder> PinReminders => Set<PinReminder>();
    public DbSet<ParentAccount> ParentAccounts => Set<ParentAccount>();
    public DbSet<ChildLink> ChildLinks => Set<ChildLink>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<PasswordResetToken> PasswordResetTokens => Set<PasswordResetToken>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<MailDeliveryEvent> MailDeliveryEvents => Set<MailDeliveryEvent>();
    public DbSet<RateLimitCounter> RateLimitCounters => Set<RateLimitCounter>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Idempotency.IdempotencyRecord> IdempotencyRecords => Set<Idempotency.IdempotencyRecord>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<Mfa.MfaRecoveryCode> MfaRecoveryCodes => Set<Mfa.MfaRecoveryCode>();
    public DbSet<Mfa.MfaChallenge> MfaChallenges => Set<Mfa.MfaChallenge>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(KitaLinkDbContext).Assembly);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored as readable snake_case strings, the same words the API uses.
        configurationBuilder.Properties<StaffRole>().HaveConversion<SnakeCaseEnumConverter<StaffRole>>().HaveMaxLength(32);
        configurationBuilder.Properties<ChildStatus>().HaveConversion<SnakeCaseEnumConverter<ChildStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<PinPairState>().HaveConversion<SnakeCaseEnumConverter<PinPairState>>().HaveMaxLength(32);
        configurationBuilder.Properties<PinRevocationReason>().HaveConversion<SnakeCaseEnumConverter<PinRevocationReason>>().HaveMaxLength(32);
        configurationBuilder.Properties<ChildLinkStatus>().HaveConversion<SnakeCaseEnumConverter<ChildLinkStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<OutboxMessageKind>().HaveConversion<SnakeCaseEnumConverter<OutboxMessageKind>>().HaveMaxLength(32);
        configurationBuilder.Properties<OutboxMessageStatus>().HaveConversion<SnakeCaseEnumConverter<OutboxMessageStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<EmailCheckResult>().HaveConversion<SnakeCaseEnumConverter<EmailCheckResult>>().HaveMaxLength(32);
        configurationBuilder.Properties<MailServerCheck>().HaveConversion<SnakeCaseEnumConverter<MailServerCheck>>().HaveMaxLength(32);
        configurationBuilder.Properties<MailDeliveryOutcome>().HaveConversion<SnakeCaseEnumConverter<MailDeliveryOutcome>>().HaveMaxLength(32);
        configurationBuilder.Properties<MailDeliveryReason>().HaveConversion<SnakeCaseEnumConverter<MailDeliveryReason>>().HaveMaxLength(32);
        configurationBuilder.Properties<WebhookEndpointStatus>().HaveConversion<SnakeCaseEnumConverter<WebhookEndpointStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<WebhookDeliveryStatus>().HaveConversion<SnakeCaseEnumConverter<WebhookDeliveryStatus>>().HaveMaxLength(32);
        configurationBuilder.Properties<AuditActorType>().HaveConversion<SnakeCaseEnumConverter<AuditActorType>>().HaveMaxLength(32);
    }
}
