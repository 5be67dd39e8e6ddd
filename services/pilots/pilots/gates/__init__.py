"""Gates: the lifecycle, what each gate needs, the decisions recorded at them, the portfolio rule."""
