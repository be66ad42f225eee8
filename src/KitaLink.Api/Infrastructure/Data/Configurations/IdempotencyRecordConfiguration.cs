using KitaLink.Api.Infrastructure.Idempotency;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_records");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(64);
        builder.Property(r => r.Fingerprint).HasMaxLength(64);
        builder.Property(r => r.State).HasConversion<SnakeCaseEnumConverter<IdempotencyState>>().HasMaxLength(32);
        builder.Property(r => r.Location).HasMaxLength(500);
        builder.Property(r => r.ETag).HasColumnName("etag").HasMaxLength(100);
        builder.Property(r => r.ContentType).HasMaxLength(200);
        builder.HasIndex(r => r.ExpiresAt);
    }
}
