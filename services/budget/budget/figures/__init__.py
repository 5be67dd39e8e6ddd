"""Figures exact to the cent: utilisation, funding split, own funding against caps, forecast, costs by pilot."""
