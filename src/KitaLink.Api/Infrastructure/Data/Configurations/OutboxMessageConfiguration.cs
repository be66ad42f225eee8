using KitaLink.Api.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> builder)
    {
        builder.Property(m => m.Recipient).HasMaxLength(254);
        builder.Property(m => m.Subject).HasMaxLength(300);
        builder.Property(m => m.LastError).HasMaxLength(2000);
        // The sender polls queued messages that are due; a partial index keeps that scan tiny.
        builder.HasIndex(m => m.NextAttemptAt)
            .HasDatabaseName("ix_outbox_messages_due")
            .HasFilter("status = 'queued'");
        builder.Property(m => m.ReturnToken).HasMaxLength(ReturnTokens.Length);
        // A bounce names its message by this token only; unique so it can never name two.
        builder.HasIndex(m => m.ReturnToken).IsUnique();
        builder.Property(m => m.ReportStatusCode).HasMaxLength(16);
        builder.Property(m => m.ReportDetail).HasMaxLength(2000);
        builder.HasIndex(m => m.GuardianId);
        builder.HasIndex(m => m.PinPairId);
    }
}
