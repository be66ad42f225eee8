using KitaLink.Api.Infrastructure.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class MailDeliveryEventConfiguration : IEntityTypeConfiguration<MailDeliveryEvent>
{
    public void Configure(EntityTypeBuilder<MailDeliveryEvent> builder)
    {
        builder.Property(e => e.Source).HasMaxLength(32);
        builder.Property(e => e.EventKey).HasMaxLength(MailDeliveryEvent.MaxEventKeyLength);
        builder.Property(e => e.StatusCode).HasMaxLength(16);
        builder.Property(e => e.Detail).HasMaxLength(MailDeliveryEvent.MaxDetailLength);
        // Processed once: the same bounce message (read by two instances, or again after a restart) or the same
        // provider event (retried by the provider) cannot be recorded twice.
        builder.HasIndex(e => new { e.Source, e.EventKey }).IsUnique();
        builder.HasIndex(e => e.OutboxMessageId);
        builder.HasOne<OutboxMessage>().WithMany().HasForeignKey(e => e.OutboxMessageId).OnDelete(DeleteBehavior.Cascade);
    }
}
