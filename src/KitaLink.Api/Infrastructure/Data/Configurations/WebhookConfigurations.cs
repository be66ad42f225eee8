using KitaLink.Api.Facilities;
using KitaLink.Api.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> builder)
    {
        builder.Property(e => e.Url).HasMaxLength(2000);
        builder.Property(e => e.Description).HasMaxLength(500);
        builder.Property(e => e.ProtectedSecret).HasMaxLength(1024);
        builder.Property(e => e.DisabledReason).HasMaxLength(1000);
        builder.HasIndex(e => new { e.FacilityId, e.CreatedAt, e.Id });
        builder.HasOne<Facility>().WithMany().HasForeignKey(e => e.FacilityId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> builder)
    {
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.Type).HasMaxLength(64);
        // The sender fans out new events; a partial index keeps that scan tiny.
        builder.HasIndex(e => e.OccurredAt)
            .HasDatabaseName("ix_webhook_events_new")
            .HasFilter("fanned_out_at IS NULL");
        builder.HasIndex(e => new { e.Type, e.OnceFor })
            .IsUnique()
            .HasFilter("once_for IS NOT NULL");
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.Property(d => d.LastError).HasMaxLength(WebhookDelivery.MaxErrorLength);
        // Each event once per endpoint, however many instances fan out.
        builder.HasIndex(d => new { d.EventId, d.EndpointId }).IsUnique();
        builder.HasIndex(d => d.NextAttemptAt)
            .HasDatabaseName("ix_webhook_deliveries_due")
            .HasFilter("status = 'pending'");
        // The deliveries list of an endpoint, newest first.
        builder.HasIndex(d => new { d.EndpointId, d.CreatedAt, d.Id }).IsDescending(false, true, true);
        builder.HasOne(d => d.Event).WithMany().HasForeignKey(d => d.EventId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
    }
}
