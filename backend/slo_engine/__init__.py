"""SLO Recommendation Engine: dependency-aware SLO recommendations for service fleets."""

__version__ = "0.1.0"
