using KitaLink.Api.Pins;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class PinReminderConfiguration : IEntityTypeConfiguration<PinReminder>
{
    public void Configure(EntityTypeBuilder<PinReminder> builder)
    {
        // Each reminder of a pair once, whichever instance queues it.
        builder.HasIndex(r => new { r.PinPairId, r.Number }).IsUnique();
        builder.HasOne<PinPair>().WithMany().HasForeignKey(r => r.PinPairId).OnDelete(DeleteBehavior.Cascade);
    }
}
