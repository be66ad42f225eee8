using KitaLink.Api.Facilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace KitaLink.Api.Infrastructure.Data.Configurations;

internal sealed class FacilityConfiguration : IEntityTypeConfiguration<Facility>
{
    public void Configure(EntityTypeBuilder<Facility> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(200);
        builder.Property(f => f.ContactAddress).HasMaxLength(300);
        builder.Property(f => f.ContactPhone).HasMaxLength(50);
        builder.Property(f => f.ContactEmail).HasMaxLength(254);
        builder.HasIndex(f => f.Name);
    }
}
