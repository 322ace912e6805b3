"""Platform adapters. They translate between a platform and the core; they decide nothing."""
