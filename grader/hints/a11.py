"""Hints of assignment 11: the GAN's losses, gan_step and train_gan."""

from .rules import alternative, alternative_or_fact

RULES = [
    # discriminator_loss, generator_loss
    alternative("gan_labels_swapped",
                "the labels are swapped: the discriminator labels the REAL samples 1 and the "
                "generated ones 0; the generator wants its samples labelled 1"),
    alternative("gan_one_mean_over_both",
                "the loss is one mean over the reals and the fakes together: it is the mean "
                "over the reals PLUS the mean over the fakes, so that each half weighs the same "
                "whatever the batch sizes"),
    alternative("gan_saturating_generator_loss",
                "this is the saturating generator loss, log(1 - sigmoid(logit)) minimised: its "
                "gradient vanishes when the discriminator rejects the samples, as it does at the "
                "start. Use the non-saturating one, BCE of the fakes against the label 1, "
                "-log sigmoid(logit)"),
    # gan_step
    alternative_or_fact("gan_discriminator_step_moves_generator",
                        "the discriminator's half moved G: D is trained on G's output as a "
                        "constant (PyTorch's fake.detach()); do not backpropagate its loss into "
                        "G nor step g_opt there"),
    alternative_or_fact("gan_generator_step_moves_discriminator",
                        "the generator's half moved D: the gradient flows back THROUGH D into G "
                        "(D's grads are written on the way), but only g_opt steps, on G"),
    alternative("gan_g_loss_before_d_update",
                "g_loss was measured with D before its update: the generator's half runs the "
                "samples through the UPDATED discriminator"),
    # train_gan
    alternative_or_fact("gan_shared_optimizer",
                        "G and D share an optimizer or a config: make two Optimizers, "
                        "Optimizer(optimizer, g_config) for G and Optimizer(optimizer, d_config) "
                        "for D, each with the state of its own network"),
]
