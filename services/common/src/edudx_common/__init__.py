"""Infrastructure shared by every EduDX service. Business rules never live here."""
