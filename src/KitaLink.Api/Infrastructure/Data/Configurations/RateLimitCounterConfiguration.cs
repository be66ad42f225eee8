using KitaLink.Api.Infrastructure.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class RateLimitCounterConfiguration : IEntityTypeConfiguration<RateLimitCounter>
{
    public void Configure(EntityTypeBuilder<RateLimitCounter> builder)
    {
        // Unlogged: a counter update writes no WAL, so its commit does not wait for a disk flush and the row lock
        // of a busy partition (every parent behind one carrier NAT) is held for microseconds, not for an fsync.
        // The price: PostgreSQL empties the table after a crash and does not replicate it, so counting starts
        // again from zero after a crash or a failover. Limits are abuse brakes, not records; that is acceptable.
        builder.IsUnlogged();
        builder.HasKey(c => c.Key);
        builder.Property(c => c.Key).HasMaxLength(200);
        builder.HasIndex(c => c.ExpiresAt);
    }
}
